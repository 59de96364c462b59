"""Where refreshed universe lists come from: the only network calls of :mod:`.universes`.

``fetch_sp500``
    The datasets/s-and-p-500-companies project's ``data/constituents.csv`` (rebuilt from
    Wikipedia's "List of S&P 500 companies"): ``Symbol, Security, GICS Sector,
    GICS Sub-Industry, ...``. The same source as the shipped default list.
``fetch_nasdaq100``
    Wikipedia's "Nasdaq-100" article, its components table (``Ticker`` or ``Symbol``,
    ``Company``, ``GICS Sector``, ``GICS Sub-Industry``), parsed with ``pandas.read_html``.
``fetch_concept_members``
    akshare's ``stock_board_concept_cons_em`` (Eastmoney concept-board members: ``代码``,
    ``名称``, ...) per board name.

Every failure (no network, an HTTP error, a page whose shape changed, a list too short to be
the index) becomes a :class:`~screener.errors.ProviderError` naming the source, raised before
anything is written. A failure that shows the network itself is down (no DNS, connection
refused, no proxy) is a :class:`~screener.errors.NetworkDownError` that stops the refresh at
the first board, and every akshare call has an overall deadline (``deadline_s.lists`` in
``model/providers.yaml``): akshare retries with backoff and pauses between pages on its own,
which kept an offline refresh busy for over ten minutes.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence

import pandas as pd
import requests

from ...errors import EmptyDataError, NetworkDownError, ProviderError, TickerError
from ...tickers import from_akshare, security
from ..providers.network import (
    DeadlineExceeded,
    network_down_reason,
    offline_message,
    with_deadline,
)

log = logging.getLogger(__name__)

SP500_URL = (
    "https://raw.githubusercontent.com/datasets/s-and-p-500-companies/main/data/constituents.csv"
)
NASDAQ100_URL = "https://en.wikipedia.org/wiki/Nasdaq-100"
CONCEPT_SOURCE = "Eastmoney concept boards via akshare stock_board_concept_cons_em"
USER_AGENT = "screener/0.1 (equity research tool; index membership refresh)"
TIMEOUT_S = 30
#: fewer rows than this means the page changed shape, not that the index shrank
MIN_ROWS = {"sp500": 450, "ndx100": 90}
_OUT = ["ticker", "name", "gics_sector", "gics_sub_industry"]


def _get(url: str, session: requests.Session | None, what: str) -> str:
    getter = session or requests
    try:
        response = getter.get(url, timeout=TIMEOUT_S, headers={"User-Agent": USER_AGENT})
        response.raise_for_status()
    except requests.RequestException as exc:
        down = network_down_reason(exc)
        if down is not None:
            raise NetworkDownError(
                offline_message(f"cannot fetch the {what}", exc, down), provider="universe"
            ) from exc
        status = getattr(getattr(exc, "response", None), "status_code", None)
        reason = f"HTTP {status}" if status else type(exc).__name__
        if isinstance(exc, requests.ConnectionError):
            reason += ": no connection (offline?)"
        raise ProviderError(
            f"cannot fetch the {what} from {url} ({reason}); the list in use is unchanged",
            provider="universe",
        ) from exc
    return response.text


def _canonical(frame: pd.DataFrame, what: str) -> pd.DataFrame:
    """Symbols as canonical US tickers (``BRK.B`` → ``BRK-B``); unusable ones are dropped."""
    rows = []
    for rec in frame.to_dict("records"):
        symbol = str(rec["ticker"]).strip().replace(".", "-")
        try:
            sec = security(symbol)
        except TickerError as exc:
            log.warning("%s: skipping %s", what, exc)
            continue
        if sec.market == "US" and sec.kind == "stock":
            rows.append({**rec, "ticker": sec.ticker})
    return pd.DataFrame(rows, columns=_OUT)


def _check(frame: pd.DataFrame, key: str, what: str, url: str) -> pd.DataFrame:
    if len(frame) < MIN_ROWS[key]:
        raise ProviderError(
            f"the {what} from {url} has {len(frame)} rows, fewer than {MIN_ROWS[key]}; its "
            "layout probably changed. The list in use is unchanged",
            provider="universe",
        )
    return frame.drop_duplicates("ticker").reset_index(drop=True)


def fetch_sp500(session: requests.Session | None = None) -> pd.DataFrame:
    """S&P 500 members: ``ticker, name, gics_sector, gics_sub_industry``."""
    what = "S&P 500 list"
    text = _get(SP500_URL, session, what)
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        frame = raw[["Symbol", "Security", "GICS Sector", "GICS Sub-Industry"]]
    except (KeyError, ValueError, pd.errors.ParserError) as exc:
        raise ProviderError(
            f"the {what} from {SP500_URL} is not the expected CSV ({exc})", provider="universe"
        ) from exc
    frame = frame.set_axis(_OUT, axis=1)
    return _check(_canonical(frame, what), "sp500", what, SP500_URL)


def _components_table(tables: Sequence[pd.DataFrame]) -> pd.DataFrame | None:
    for table in tables:
        columns = {str(c).strip(): c for c in table.columns}
        symbol = columns.get("Ticker") or columns.get("Symbol")
        if symbol is not None and "Company" in columns and len(table) >= 10:
            pick: list[str | None] = [symbol, columns["Company"]]
            pick += [columns.get("GICS Sector"), columns.get("GICS Sub-Industry")]
            return pd.DataFrame(
                {out: table[c] if c is not None else "" for out, c in zip(_OUT, pick, strict=True)}
            ).astype(str)
    return None


def fetch_nasdaq100(session: requests.Session | None = None) -> pd.DataFrame:
    """Nasdaq-100 members: ``ticker, name, gics_sector, gics_sub_industry``."""
    what = "Nasdaq-100 list"
    text = _get(NASDAQ100_URL, session, what)
    try:
        tables = pd.read_html(io.StringIO(text))
    except (ValueError, ImportError) as exc:
        raise ProviderError(
            f"no table in the {what} page {NASDAQ100_URL} ({exc})", provider="universe"
        ) from exc
    frame = _components_table(tables)
    if frame is None:
        raise ProviderError(
            f"the {what} page {NASDAQ100_URL} has no components table (Ticker/Symbol and "
            "Company columns); its layout changed. The list in use is unchanged",
            provider="universe",
        )
    return _check(_canonical(frame, what), "ndx100", what, NASDAQ100_URL)


def _board_members(ak, board: str, deadline_s: float | None) -> list[str]:
    what = f"concept board {board!r}"
    try:
        raw = with_deadline(lambda: ak.stock_board_concept_cons_em(symbol=board), deadline_s, what)
    except DeadlineExceeded as exc:
        raise ProviderError(
            f"cannot fetch {what}: no answer within {deadline_s:g} s (deadline_s.lists in "
            "model/providers.yaml)",
            provider="akshare",
        ) from exc
    except IndexError as exc:  # akshare looks the name up with .values[0]
        raise EmptyDataError(f"Eastmoney lists no concept board named {board!r}") from exc
    except (requests.RequestException, KeyError, ValueError, TypeError) as exc:
        down = network_down_reason(exc)
        if down is not None:
            raise NetworkDownError(
                offline_message(f"cannot fetch {what}", exc, down), provider="akshare"
            ) from exc
        raise ProviderError(
            f"cannot fetch concept board {board!r} ({type(exc).__name__}: {exc})",
            provider="akshare",
        ) from exc
    if "代码" not in raw.columns:
        raise ProviderError(f"concept board {board!r}: no 代码 column", provider="akshare")
    out = []
    for code in raw["代码"].astype(str):
        try:
            out.append(from_akshare(code.zfill(6), kind="stock"))
        except TickerError:
            log.info("concept board %s: code %s is outside the ticker master", board, code)
    return out


def fetch_concept_members(
    boards: Sequence[str], deadline_s: float | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """``(frame of ticker, board; notes)`` for the Eastmoney concept boards named; each board
    may take ``deadline_s`` seconds in all. The network being down stops it at once."""
    try:
        import akshare as ak
    except ImportError as exc:
        raise ProviderError(f"akshare is not installed ({exc})", provider="akshare") from exc
    rows: list[tuple[str, str]] = []
    notes: list[str] = []
    failures: list[str] = []
    for board in dict.fromkeys(boards):
        try:
            rows += [(t, board) for t in _board_members(ak, board, deadline_s)]
        except EmptyDataError as exc:
            notes.append(f"skipped: {exc}")
        except NetworkDownError:
            raise  # no other board would fare better
        except ProviderError as exc:
            failures.append(str(exc))
    if not rows:
        why = (failures or notes or ["no boards named"])[0]
        raise ProviderError(
            f"no concept board could be fetched ({why}); nothing written", provider="akshare"
        )
    notes += [f"failed: {f}" for f in failures]
    return pd.DataFrame(rows, columns=["ticker", "board"]).drop_duplicates(), notes

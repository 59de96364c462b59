"""The provider interface: query in, standard frame out (STYLE.md 3).

A provider converts its vendor's exceptions into :class:`~screener.errors.ProviderError`
at this boundary and maps vendor columns onto :mod:`screener.data.schema` in one explicit table.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Sequence
from typing import ClassVar

import pandas as pd

from .network import exception_texts


class Provider(abc.ABC):
    """One market-data vendor behind one small interface."""

    name: ClassVar[str]
    #: markets this provider can serve ("CN", "US")
    markets: ClassVar[tuple[str, ...]]
    #: ``daily_bars`` takes ``incremental=True`` (see there)
    supports_incremental: ClassVar[bool] = False

    @abc.abstractmethod
    def daily_bars(self, ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        """Daily bars for one canonical ticker, ``start`` to ``end`` inclusive, standard schema.

        Raises ``EmptyDataError`` when the vendor has no rows in the range and
        ``ProviderError`` (or ``RateLimitError``) when the call fails.

        A provider with ``supports_incremental`` also takes ``incremental=True``: the caller
        already holds the first bars of the window and wants the few after them cheaply. The
        provider may then fetch only ``start``..``end`` and return an ``adj_factor`` that is
        right up to a constant: the caller chains it onto its own factor at the first bar it
        holds, after checking that the bars it holds came back with the same prices (a vendor
        that re-adjusted history shows it there, and the caller fetches everything again).
        """

    @abc.abstractmethod
    def fundamentals(self, tickers: Sequence[str], as_of: dt.date) -> pd.DataFrame:
        """One fundamentals row per ticker it knows, standard schema."""

    def library_version(self) -> str:
        """The vendor library's version, recorded in the fetch log."""
        return "n/a"


_TRANSPORT_PATTERNS = (
    (
        r"name or service not known|failed to resolve|could not resolve host|nodename nor servname"
        r"|temporary failure in name resolution",
        "the host name does not resolve (no network?)",
    ),
    (r"connection refused", "connection refused"),
    (r"connection reset|remote end closed|connection aborted", "the connection was dropped"),
    (r"timed? ?out", "timed out"),
    (r"certificate|ssl", "TLS/certificate error"),
)


def transport_reason(exc: BaseException) -> str:
    """A short reason for a failed connection, read from the whole exception chain (vendor
    libraries wrap the socket error two or three times in long messages with full URLs)."""
    import re

    texts = exception_texts(exc)
    joined = " ".join(texts)
    for pattern, reason in _TRANSPORT_PATTERNS:
        if re.search(pattern, joined, re.IGNORECASE):
            return reason
    first = texts[0]
    return first if len(first) <= 120 else first[:117] + "..."

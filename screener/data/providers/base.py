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


class Provider(abc.ABC):
    """One market-data vendor behind one small interface."""

    name: ClassVar[str]
    #: markets this provider can serve ("CN", "US")
    markets: ClassVar[tuple[str, ...]]

    @abc.abstractmethod
    def daily_bars(self, ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        """Daily bars for one canonical ticker, ``start`` to ``end`` inclusive, standard schema.

        Raises ``EmptyDataError`` when the vendor has no rows in the range and
        ``ProviderError`` (or ``RateLimitError``) when the call fails.
        """

    @abc.abstractmethod
    def fundamentals(self, tickers: Sequence[str], as_of: dt.date) -> pd.DataFrame:
        """One fundamentals row per ticker it knows, standard schema."""

    def library_version(self) -> str:
        """The vendor library's version, recorded in the fetch log."""
        return "n/a"

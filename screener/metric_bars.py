"""The bars the screen's metrics read, as flat numpy arrays with segment offsets.

One row per ticker and session, sorted by ticker then day; each ticker's rows are one
contiguous segment, so every per-ticker operation in :mod:`screener.metrics` is a numpy
operation over segments (``bincount``, ``reduceat``, ``searchsorted`` on a composite key), and
the columnar copy of the cache (:mod:`screener.data.columnar`) hands its window over without
building a frame.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

KEY = 1_000_000  # day numbers (days since 1970) stay below this until the year 4707


def day_numbers(dates) -> np.ndarray:
    """Days since 1970-01-01 of dates (anything numpy reads as ``datetime64[D]``)."""
    return np.asarray(dates, dtype="datetime64[D]").astype("int64")


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The row numbers ``starts[i] .. starts[i] + lengths[i] - 1`` of every i, concatenated."""
    total = int(lengths.sum())
    begin = np.cumsum(lengths) - lengths
    return np.repeat(starts - begin, lengths) + np.arange(total, dtype="int64")


@dataclass(frozen=True)
class MetricBars:
    """Bars as :func:`market_metrics` reads them, as flat arrays sorted by ticker, then day
    (one row per day): ticker ``tickers[i]`` owns rows ``offsets[i]:offsets[i + 1]``.

    ``days`` are days since 1970-01-01, ``price`` the total-return price ``close *
    adj_factor``, ``value`` the day's traded value (NaN unknown). The columnar read of the
    cache (:mod:`screener.data.columnar`) returns this directly; :meth:`from_frame` builds it
    from a long frame of :data:`METRIC_BAR_COLUMNS`.
    """

    tickers: np.ndarray  # object array of str
    offsets: np.ndarray  # int64, len(tickers) + 1
    days: np.ndarray  # int64
    price: np.ndarray  # float64
    value: np.ndarray  # float64

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> MetricBars:
        """A long frame, any order; a repeated (ticker, day) keeps the row given last."""
        codes, tickers = pd.factorize(frame["ticker"].to_numpy(), sort=True)
        codes = codes.astype("int64")
        days = day_numbers(frame["date"].to_numpy())
        key = codes * KEY + days
        order = None if bool((key[1:] > key[:-1]).all()) else np.argsort(key, kind="stable")
        if order is not None:
            key = key[order]
            keep = np.append(key[1:] != key[:-1], True)  # duplicates: keep the last given
            order = order[keep]
        pick = slice(None) if order is None else order
        counts = np.bincount(codes[pick], minlength=len(tickers))
        return cls(
            np.asarray(tickers, dtype=object),
            np.concatenate([[0], np.cumsum(counts)]).astype("int64"),
            days[pick],
            frame["tr_price"].to_numpy(dtype="float64")[pick],
            frame["traded_value"].to_numpy(dtype="float64")[pick],
        )

    def usable(self, as_of: dt.date) -> MetricBars:
        """Rows on or before ``as_of`` with a positive total-return price; tickers left with
        none are dropped."""
        codes = self.codes()
        keep = (self.days <= day_numbers([as_of])[0]) & (self.price > 0)  # NaN fails too
        if bool(keep.all()) and bool((np.diff(self.offsets) > 0).all()):
            return self
        counts = np.bincount(codes[keep], minlength=len(self.tickers))
        has = counts > 0
        return MetricBars(
            self.tickers[has],
            np.concatenate([[0], np.cumsum(counts[has])]).astype("int64"),
            self.days[keep],
            self.price[keep],
            self.value[keep],
        )

    def codes(self) -> np.ndarray:
        """The ticker number of every row."""
        return np.repeat(np.arange(len(self.tickers), dtype="int64"), np.diff(self.offsets))

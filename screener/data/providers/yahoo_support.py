"""Helpers of the yfinance provider: yfinance made to raise for the length of a call, Yahoo's
split-adjusted prices back to traded ones, and the back-adjusted total-return factor (the
formulas are in :mod:`.yfinance`'s docstring)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd


class _RaisingMode:
    """Scoped ``hide_exceptions = False``, reference-counted across threads."""

    def __init__(self, library: Callable[[], ModuleType]) -> None:
        self._library = library
        self._lock = threading.Lock()
        self._depth = 0
        self._saved: Any = None

    @contextmanager
    def __call__(self) -> Iterator[None]:
        debug = self._library().config.debug
        with self._lock:
            if self._depth == 0:
                self._saved = debug.hide_exceptions
                debug.hide_exceptions = False
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    debug.hide_exceptions = self._saved


def back_adjusted_factor(close: pd.Series, dividend: pd.Series, split: pd.Series) -> pd.Series:
    """``Π s_u · C_{u-1} / (C_{u-1} − D_u)`` over the rows so far; 1 on the first row."""
    prev = close.shift(1)
    ratio = split.where(split > 0, 1.0).astype("float64")
    paid = dividend.fillna(0.0) > 0
    if (prev[paid] <= dividend[paid]).any():
        raise ValueError("a dividend is not smaller than the previous close")
    ratio = ratio * (prev / (prev - dividend)).where(paid, 1.0)
    ratio.iloc[0] = 1.0
    return ratio.fillna(1.0).cumprod()


def splits_after(split: pd.Series) -> pd.Series:
    """``M_t``: the product of split ratios strictly after each row."""
    ratio = split.where(split > 0, 1.0).astype("float64").to_numpy()
    after = np.append(np.cumprod(ratio[::-1])[::-1][1:], 1.0)
    return pd.Series(after, index=split.index)

"""Traded prices recovered from a multiplicatively adjusted bar series, or a refusal.

A vendor export such as baostock's ``query_history_k_data_plus`` with ``adjustflag`` 2
(forward-adjusted, 前复权) or 1 (backward-adjusted, 后复权) carries no traded prices: every price
of day ``t`` is the traded price times a multiplier ``g_t`` that is constant between two
corporate actions (baostock adjusts by ratio, 涨跌幅复权: its adjusted closes are the unadjusted
ones times one constant per stretch, checked on real files). Storing them as traded prices
would put made-up levels in the cache and break every later splice with a vendor's raw bars.

Two facts pin ``g_t`` down exactly, without any outside data:

* exchanges quote on a tick (0.01 CNY for A-shares): ``price / g_t`` is a whole number of ticks
  for the open, high, low and close of the day at once;
* volume and traded value (``amount``) are never adjusted, so ``amount / volume`` is the day's
  traded VWAP, which lies between the traded low and high: ``low / g ≤ vwap ≤ high / g``, i.e.
  ``g`` lies in ``[low / vwap, high / vwap]`` (plus a small slack).

Per day, the candidates are ``g = close / (k · tick)`` for the whole ``k`` the VWAP bound allows,
kept only when the open, high and low also land on the tick; four prices rarely fit more than
one ``g``. The series is walked from the newest day back: a day that fits the current ``g``
(ticks and VWAP) keeps it; one that does not starts a new stretch, its ``g`` read from its own
candidates (narrowed over the days before it when a day fits several, e.g. one price all day).
A day without volume (suspended) must fit its neighbour's ``g``. Any day that fits nothing is
refused, naming it: a file rounded to fewer decimals than the tick needs, or adjusted
additively (Eastmoney's ``qfq``), cannot be inverted and must not be guessed.

The result is the traded prices (rounded to the tick) and the multiplier, whose steps are the
corporate actions: ``close × g`` is the vendor's adjusted series, so ``g / g[0]`` is a back-adjusted
total-return factor in the sense of :mod:`screener.data.schema`. Checked by hand on the real
baostock exports of six A-shares (2023-06 to 2026-03): the recovered closes equal another
vendor's unadjusted closes on every one of 1,110 overlapping days.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: how far from a whole tick a recovered price may be, in ticks (the file's own rounding)
TICK_TOLERANCE = 0.02
#: slack on the VWAP bound: odd-lot and after-hours fixed-price trades, rounded amounts
VWAP_SLACK = 5e-3


class RecoveryError(ValueError):
    """No multiplier fits day ``row``; ``reason`` says why."""

    def __init__(self, row: int, reason: str):
        super().__init__(reason)
        self.row = row
        self.reason = reason


@dataclass(frozen=True)
class Recovered:
    """Traded prices and the per-day multiplier ``g`` (adjusted = traded × g)."""

    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    multiplier: np.ndarray

    def steps(self) -> list[int]:
        """Rows on which a new stretch begins (a corporate action's ex-date)."""
        g = self.multiplier
        return [int(i) for i in np.flatnonzero(~np.isclose(g[1:], g[:-1], rtol=1e-9)) + 1]


def _on_tick(price: float, g: np.ndarray | float, tick: float) -> np.ndarray:
    q = price / np.asarray(g) / tick
    return np.abs(q - np.round(q)) <= TICK_TOLERANCE


class _Days:
    def __init__(self, prices: tuple[np.ndarray, ...], vwap: np.ndarray, tick: float):
        self.prices = prices  # open, high, low, close (NaN where the file has none)
        self.vwap = vwap
        self.tick = tick

    def bounds(self, t: int) -> tuple[float, float] | None:
        vwap = self.vwap[t]
        if not (vwap > 0 and math.isfinite(vwap)):
            return None
        _, high, low, _ = (p[t] for p in self.prices)
        if not (low > 0 and high > 0):
            return None
        return low / vwap * (1 - VWAP_SLACK), high / vwap * (1 + VWAP_SLACK)

    def fits(self, t: int, g: float) -> bool:
        for p in self.prices:
            if math.isfinite(p[t]) and not bool(_on_tick(p[t], g, self.tick)):
                return False
        bounds = self.bounds(t)
        return bounds is None or bounds[0] <= g <= bounds[1]

    def candidates(self, t: int) -> np.ndarray | None:
        """Every ``g`` day ``t`` allows; None when it has no VWAP to bound them."""
        bounds = self.bounds(t)
        if bounds is None:
            return None
        close, tick = self.prices[3][t], self.tick
        lo, hi = bounds
        first = max(math.ceil(close / hi / tick - TICK_TOLERANCE), 1)
        last = math.floor(close / lo / tick + TICK_TOLERANCE)
        k = np.arange(first, max(last, first - 1) + 1, dtype="float64")
        g = close / (k * tick)
        keep = np.ones(len(g), dtype=bool)
        for p in self.prices[:3]:
            if math.isfinite(p[t]):
                keep &= _on_tick(p[t], g, tick)
        return g[keep]


def recover_traded_prices(
    open_: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    volume: np.ndarray,
    amount: np.ndarray,
    tick: float,
) -> Recovered:
    """The traded prices behind a ratio-adjusted series (module docstring), oldest day first.

    Raises :class:`RecoveryError` naming the first row (from the newest) that no multiplier
    fits, or that several fit with nothing to choose between them.
    """
    arrays = tuple(np.asarray(a, dtype="float64") for a in (open_, high, low, close))
    with np.errstate(divide="ignore", invalid="ignore"):
        vwap = np.asarray(amount, dtype="float64") / np.asarray(volume, dtype="float64")
    days = _Days(arrays, vwap, tick)
    n = len(close)
    g = np.full(n, np.nan)
    current: float | None = None
    for t in range(n - 1, -1, -1):
        if current is not None and days.fits(t, current):
            g[t] = current
            continue
        current = _new_stretch(days, t, tick)
        g[t] = current
    o, h, lo, c = (np.round(p / g / tick) * tick for p in arrays)
    return Recovered(o, h, lo, c, multiplier=g)


def _new_stretch(days: _Days, t: int, tick: float) -> float:
    """The multiplier of the stretch that ends on day ``t`` (walking back from the newest)."""
    found = days.candidates(t)
    if found is None:
        raise RecoveryError(
            t,
            "no volume and amount on this day to bound the adjustment, and it does not fit "
            "the next day's",
        )
    if len(found) == 0:
        raise RecoveryError(
            t,
            f"no traded prices on the {tick:g} tick, between the day's low and high around its "
            "volume-weighted price (amount / volume), give these adjusted prices",
        )
    s = t - 1
    while len(found) > 1 and s >= 0:  # one price all day: narrow over the days before it
        more = days.candidates(s)
        if more is not None:
            narrowed = [x for x in found if np.isclose(more, x, rtol=1e-7).any()]
            if not narrowed:
                break
            found = np.asarray(narrowed)
        s -= 1
    if len(found) != 1:
        raise RecoveryError(t, f"{len(found)} different adjustments fit this day equally well")
    return float(found[0])
